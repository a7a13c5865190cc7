import { trainsLeNetWith } from './training.ts';

// The threaded build, started by wasm-threads.ts.
trainsLeNetWith(2);
