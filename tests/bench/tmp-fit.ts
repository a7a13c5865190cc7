import { fitLinear } from '../../src-main/trainer/analysis/linear.ts';
import { initUnmeasured } from '../../src-main/trainer/backend/index.ts';
import { loadDataset } from '../../src-main/datasets/index.ts';
const d = await loadDataset(process.argv[2]!, { trainLimit: 10000 });
await initUnmeasured();
const t = performance.now();
const f = fitLinear(d.train, 784, 10, { iterations: Number(process.argv[3]), learningRate: Number(process.argv[4]) });
console.log(d.train.count, ((performance.now() - t) / 1000).toFixed(1), 's loss', f.loss);
