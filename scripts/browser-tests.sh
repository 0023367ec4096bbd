#!/usr/bin/env bash
# Headless-Chromium smoke tests (pytest -m browser). Installs what they need when missing:
# Debian's Chromium and a CJK font (root, as in CI), ECharts and the compiled translations.
# Exits non-zero on any failure, including "no tests collected".
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing chromium and fonts-noto-cjk"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; } >/dev/null ||
      { echo "apt-get install chromium failed" >&2; exit 1; }
  else
    echo "/usr/bin/chromium is missing; run as root or: apt-get install -y chromium fonts-noto-cjk" >&2
    exit 1
  fi
fi
if ! .venv/bin/python -c "import playwright.sync_api" 2>/dev/null; then
  .venv/bin/pip install -q "playwright>=1.45" || { echo "pip install playwright failed" >&2; exit 1; }
fi
# The pages are judged with their translations and assets; both are built at set-up normally.
if ! find omniretail -path '*/locale/zh_Hans/LC_MESSAGES/django.mo' | grep -q .; then
  bash scripts/compile-messages.sh || exit 1
fi
bash scripts/install-assets.sh || echo "ECharts not installed; the chart test checks the fallback"

export DJANGO_ALLOW_ASYNC_UNSAFE=true
export OMNIRETAIL_DATA_DIR=${OMNIRETAIL_DATA_DIR:-$PWD/var/test}
.venv/bin/pytest -q -p no:xdist -m browser omniretail "$@"
rc=$?
if [ $rc = 5 ]; then echo "no browser tests were collected" >&2; exit 1; fi
exit $rc
