/** Runs the command line with this process's arguments (bin/latentlab.js loads the compiled copy). */
import { main } from './main.js';

await main(process.argv);
