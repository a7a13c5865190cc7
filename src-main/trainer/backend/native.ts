/**
 * The TensorFlow (libtensorflow) backends: @tensorflow/tfjs-node-gpu and @tensorflow/tfjs-node.
 * Both are optional dependencies whose install script downloads libtensorflow; where that fails npm
 * drops the package, so they are imported dynamically and every failure becomes a one-line reason.
 */
import * as tf from '@tensorflow/tfjs';

export type NativePackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

export type NativeResult = { ok: true } | { ok: false; reason: string };

/** Imports the package (which registers the 'tensorflow' backend) and switches to it. */
export async function tryNative(pkg: NativePackage): Promise<NativeResult> {
  try {
    // A variable specifier keeps bundlers and the type checker from requiring the optional package.
    const specifier: string = pkg;
    await import(specifier);
  } catch (err) {
    return { ok: false, reason: `${pkg}: ${explainLoadError(pkg, err)}` };
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    return {
      ok: false,
      reason: `${pkg}: loaded, but it registered its backend on another copy of @tensorflow/tfjs-core (versions differ from @tensorflow/tfjs ${tf.version.tfjs})`,
    };
  }
  try {
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, reason: `${pkg}: the 'tensorflow' backend failed to start` };
  } catch (err) {
    return { ok: false, reason: `${pkg}: ${firstLine(err)}` };
  }
  return { ok: true };
}

/** Turns a failed import into what the user can act on. Exported for its tests. */
export function explainLoadError(pkg: NativePackage, err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = firstLine(err);
  if (/tfjs_binding\.node/.test(message)) {
    return 'installed without its native binding (its libtensorflow download failed at install)';
  }
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(pkg)) {
    return 'not installed (an optional dependency: npm leaves it out when its libtensorflow download fails at install)';
  }
  const lib = /([\w.+-]+\.(?:so[\w.]*|dll|dylib))\b.*(?:cannot open shared object|not found|could not be found|image not found)/i.exec(
    message,
  )?.[1];
  if (lib != null) {
    // tfjs-node-gpu 4.x is built against CUDA 11.2 and cuDNN 8.1; a newer CUDA does not provide the .so.11 names.
    if (/^lib(cudart|cublas|cublasLt|cufft|curand|cusolver|cusparse)\b/.test(lib)) return `CUDA 11 runtime missing: ${lib}`;
    if (/^libcudnn\b/.test(lib)) return `cuDNN 8 runtime missing: ${lib}`;
    return `a native library is missing: ${lib}`;
  }
  return message;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim();
}
