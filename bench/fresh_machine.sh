#!/usr/bin/env bash
# A fresh machine with nothing but Python, as far as this one can pretend to be one: an
# unprivileged user, a copy of the course under /tmp (no .git, no .venv), a HOME of its own (an
# empty pip cache unless --warm-cache, no Playwright browser), and in a mount namespace of its own
# no system bwrap, Chromium or PostgreSQL (each covered by an empty file or folder). Then the
# README's set-up: `python3 course.py` makes the venv (timed), Playwright's Chromium is tried
# (`python -m playwright install chromium`: it needs Playwright's CDN), and `python3 course.py
# test` runs, reporting how many tests skipped and why.
#
#   sudo bench/fresh_machine.sh                  set-up, then the whole suite (about 15 minutes)
#   sudo bench/fresh_machine.sh --setup-only     the set-up only
#   sudo bench/fresh_machine.sh --warm-cache     with the user's own HOME, so a second run reuses its pip cache
#   sudo bench/fresh_machine.sh -- tests/test_postgres.py   pytest arguments after --: a part of the suite
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root: it makes a user and a mount namespace" >&2; exit 2; }
setup_only=0 warm_cache=0
while [ $# -gt 0 ]; do
    case "$1" in
        --setup-only) setup_only=1 ;;
        --warm-cache) warm_cache=1 ;;
        --) shift; break ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
user=${FRESH_USER:-fresh-user}
id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
scratch=$(mktemp -d /tmp/fresh-machine.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
chmod 755 "$scratch"
copy="$scratch/course"
mkdir -p "$copy" "$scratch/home"
tar --exclude=./.git --exclude=./.venv --exclude=./.pytest_cache --exclude='__pycache__' -cf - . | tar -xf - -C "$copy"
chown -R "$user:" "$copy" "$scratch/home"
home="$scratch/home"
[ "$warm_cache" = 1 ] && home=$(getent passwd "$user" | cut -d: -f6)

# Inside the namespace: what a machine with only Python lacks is covered, then the user sets up and tests.
inside() {
    set -euo pipefail
    local copy=$1 home=$2 setup_only=$3
    shift 3
    for name in bwrap chromium chromium-browser google-chrome; do
        for found in $(which -a "$name" 2>/dev/null); do
            mount --bind /dev/null "$found"  # not executable: `which` and shutil.which pass it by
        done
    done
    [ -d /usr/lib/postgresql ] && mount -t tmpfs tmpfs /usr/lib/postgresql
    as_user() { runuser -u "$user" -- env -C "$copy" HOME="$home" PATH=/usr/local/bin:/usr/bin:/bin "$@"; }
    echo "== set-up: python3 course.py makes .venv ($(as_user python3 --version))"
    local start=$SECONDS
    as_user python3 -c "import course; course.ensure_environment()"
    echo "set-up took $((SECONDS - start)) s"
    echo "== Playwright's Chromium: .venv/bin/python -m playwright install chromium"
    if as_user timeout 300 .venv/bin/python -m playwright install chromium >"$copy/playwright.log" 2>&1; then
        echo "installed"
    else
        echo "not installed: $(grep -m 1 -i error "$copy/playwright.log" || tail -n 1 "$copy/playwright.log")"
    fi
    [ "$setup_only" = 1 ] && return 0
    echo "== python3 course.py test $*"
    start=$SECONDS
    as_user python3 course.py test -p no:cacheprovider -rs "$@" | tee "$copy/test.log" || true
    echo "tests took $((SECONDS - start)) s"
    summary=$(tail -n 1 "$copy/test.log")
    count() { grep -oE "[0-9]+ $1" <<<"$summary" | grep -oE '^[0-9]+' || echo 0; }
    local passed failed skipped errors
    passed=$(count passed) failed=$(count failed) skipped=$(count skipped) errors=$(count 'errors?')
    local total=$((passed + failed + skipped + errors))
    echo "== $skipped of $total tests skipped ($(awk -v s="$skipped" -v t="$total" 'BEGIN { printf "%.1f", t ? 100 * s / t : 0 }')%; the budget is 5%)," \
         "$failed failed, $errors errors; each skip's reason is in the short summary above"
}
export -f inside
export user
unshare --mount --propagation private bash -c 'inside "$@"' inside "$copy" "$home" "$setup_only" "$@"
