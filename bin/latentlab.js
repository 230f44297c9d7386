#!/usr/bin/env node
// Entry point of the `latentlab` command (the compiled CLI lives in dist/).
import '../dist/src/cli/run.js';
