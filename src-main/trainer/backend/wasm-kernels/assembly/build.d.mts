/** Types of build.mjs, for the test that checks the committed binary against its source. */
export function compileKernels(shared: boolean): Promise<Buffer>;
export function binaryModuleSource(): Promise<string>;
