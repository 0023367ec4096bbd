#!/usr/bin/env bash
# Front-end assets come from the npm registry at set-up and are served locally (never a CDN).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=omniretail/web/static/vendor
if [ -f "$dest/echarts/echarts.min.js" ]; then exit 0; fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is needed once to fetch ECharts: apt-get install -y npm" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq npm >/dev/null; else exit 1; fi
fi
mkdir -p var/npm "$dest/echarts"
npm install --silent --no-audit --no-fund --prefix var/npm echarts@6 >/dev/null
cp var/npm/node_modules/echarts/dist/echarts.min.js "$dest/echarts/echarts.min.js"
cp var/npm/node_modules/echarts/LICENSE "$dest/echarts/LICENSE" 2>/dev/null || true
echo "installed ECharts $(node -p "require('./var/npm/node_modules/echarts/package.json').version" 2>/dev/null || echo 6)"
