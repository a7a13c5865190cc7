/**
 * What a started backend tells the user, the same wherever it trains: a trainer process (backend/) or the
 * hidden trainer window (window/backend.ts). Nothing here loads a backend.
 */
import type { BackendInfo } from '../../src-preload/api.ts';
import type { Started } from './protocol.ts';

const CPU_WARNING = 'training on the plain JavaScript cpu backend is very slow (about 5 images/s)';
const SOFTWARE_WARNING = 'a software GPU adapter: the CPU emulates a GPU, far slower than the wasm backend';
const SOFTWARE_NAMES = /swiftshader|lavapipe|llvmpipe|softpipe|microsoft basic render|\bwarp\b/i;

/** True for a GPU adapter that the CPU emulates, by its flag or architecture, or by any of its names. */
export function isSoftwareAdapter(info: { isFallbackAdapter?: boolean; architecture?: string }, names: string[]): boolean {
  return info.isFallbackAdapter === true || info.architecture === 'software' || SOFTWARE_NAMES.test(names.join(' '));
}

/** What a started backend tells the user; `why` ends the summary line. */
export function backendInfo(started: Started, why: string, detail = started.detail): BackendInfo {
  const warning = started.name === 'cpu' ? CPU_WARNING : started.software ? SOFTWARE_WARNING : undefined;
  return {
    name: started.name,
    gpu: started.gpu,
    host: started.host,
    summary: `${started.gpu ? 'GPU' : 'CPU'}: ${started.label}${why}`,
    detail,
    ...(warning && { warning }),
  };
}
