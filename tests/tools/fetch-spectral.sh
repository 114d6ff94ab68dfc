#!/usr/bin/env bash
# Installs the pinned Spectral CLI (@stoplight/spectral-cli, an OpenAPI linter) that the OpenAPI tests run over the
# hub's published document with Spectral's ruleset (spectral:oas); prints the path of its entry script (see fetch-npm-tool.sh).
exec "$(dirname "${BASH_SOURCE[0]}")/fetch-npm-tool.sh" spectral @stoplight/spectral-cli/dist/index.js
