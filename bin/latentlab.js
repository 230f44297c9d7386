#!/usr/bin/env node
// Entry point of the `latentlab` command (the compiled CLI lives in dist/).
import { main } from '../dist/src/cli/main.js';

await main(process.argv);
