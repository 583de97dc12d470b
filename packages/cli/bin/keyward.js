#!/usr/bin/env node
// The compiled CLI (npx tsc -b packages/cli, or npm run build).
import '../dist/main.js'
