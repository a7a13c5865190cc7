import { trainsLeNetWith } from './training.ts';

trainsLeNetWith(1);
