/**
 * Identity, and a Cast to the dtype a tensor already has, without a copy: the output shares the input's
 * data, counted by the backend's reference count (as the cpu backend does). Stock wasm copies it; a
 * training step does so four times for conv1's 64×24×24×20 activations (tfjs-layers' and the ReLU
 * gradient's identities and casts).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernels, type Info, type KernelArgs } from './ops.ts';

function shared(backend: BackendWasm, x: Info): Info {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function identity(args: KernelArgs): Info {
  const { x } = args.inputs as { x: Info };
  return x.dtype === 'string' ? (stockKernels().Identity(args) as Info) : shared(args.backend as BackendWasm, x);
}

export function cast(args: KernelArgs): Info {
  const { x } = args.inputs as { x: Info };
  return x.dtype === (args.attrs as { dtype: string }).dtype && x.dtype !== 'string'
    ? shared(args.backend as BackendWasm, x)
    : (stockKernels().Cast(args) as Info);
}
