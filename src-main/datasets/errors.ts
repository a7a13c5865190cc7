import { ApiError } from '../../src-preload/api.ts';

/**
 * A data set file that cannot be used, and why. It is an `ApiError('bad-input')`, so the API returns it
 * as data and the CLI prints it as one line with exit code 1. The message always starts with the file.
 */
export class DatasetError extends ApiError {
  constructor(
    readonly file: string,
    /** What is wrong with it, without the file's name (for a list of files that already names them). */
    readonly problem: string,
  ) {
    super('bad-input', `${file}: ${problem}`);
    this.name = 'DatasetError';
  }
}
