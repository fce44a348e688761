#!/usr/bin/env bash
# Regenerates docs/dashboard.png (the README's screenshot) with the dashboard's browser test: simulated clicks through
# LocalHost + LocalIssuer + LocalMongo, in Debian's headless Chromium at 1280 px.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p docs
BUTTONS_DASHBOARD_SCREENSHOT="$PWD/docs/dashboard.png" \
  dotnet test ButtonFunctions.Tests --filter "FullyQualifiedName~DashboardDayTests"
echo "wrote docs/dashboard.png"
