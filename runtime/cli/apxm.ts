#!/usr/bin/env node
import { exitWhenWritten, main } from './main.js';

main(process.argv.slice(2)).then(exitWhenWritten);
