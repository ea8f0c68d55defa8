"""What a book module is replaced with while the notebook whose exercise it answers is graded
(see __init__.py): importing it says so, and holds no code of the answer."""
raise ImportError(f"{__name__} is withheld while this notebook is graded: it is the course's own answer "
                  "to one of its exercises (write the code yourself)")
