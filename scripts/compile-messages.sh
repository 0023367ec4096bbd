#!/usr/bin/env bash
# Compile the zh_Hans/en translations (.po → .mo) of every app.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v msgfmt >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then apt-get install -y -qq gettext >/dev/null; fi
for po in $(find omniretail -path '*/locale/*/LC_MESSAGES/django.po'); do
  msgfmt --check-format -o "${po%.po}.mo" "$po"
done
