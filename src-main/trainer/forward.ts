/**
 * LeNet's forward pass over stored weights, for the activation views and the analyses: the model the loop
 * trains (createLeNet), given a snapshot's weights, run on a few images (every layer's output), on a whole
 * test split (only the predicted class and its probability), on a training split (each image's record in
 * a computed example ledger: right or wrong, p(its label)), or on a probe set (what the analyses
 * measure of each layer: analysis/layers.ts); and the analyses that need more than one pass (the layer
 * rewind map, analysis/rewind.ts) or no network at all (the linear share's regression, analysis/linear.ts).
 *
 * The feature maps are the layers' own outputs (NHWC): conv1, conv2 and fc1 after their ReLU, pool1 and
 * pool2 after max-pooling, fc2's logits. Probabilities are the softmax of the logits.
 */
import * as tf from '@tensorflow/tfjs';
import { PROBE_LAYERS, type Geometry, type ProbeLayer } from '../../src-preload/api.ts';
import type { Split } from '../datasets/split.ts';
import { featureVis, topExamples } from './analysis/filters.ts';
import { LayerCache, snapshotLayers, type SnapshotLayers } from './analysis/layers.ts';
import { fitLinear } from './analysis/linear.ts';
import { rewindAccuracies } from './analysis/rewind.ts';
import { initUnmeasured } from './backend/index.ts';
import { batchTensors, evaluate } from './loop.ts';
import { createLeNet, type LeNet } from './model/lenet.ts';
import { toHalfBits } from '../shared/half.ts';
import type { ForwardActivations, ForwardLedger, ForwardMaps, ForwardPredictions, ForwardRequest, FromTrainer, SnapshotWeights } from './protocol.ts';

/** Images per tensor batch when predicting a whole split (as the loop's test evaluation). */
const PREDICT_BATCH = 500;
/** The model's layer behind each compared layer (PROBE_LAYERS order). */
const MODEL_LAYERS: Record<ProbeLayer, string> = { conv1: 'conv1', pool1: 'pool1', conv2: 'conv2', pool2: 'pool2', fc1: 'fc1', logits: 'fc2' };

/** A LeNet that runs any snapshot's weights, with a second model over it that exposes the maps. */
export class ForwardModel {
  private readonly net: LeNet;
  private readonly layered: tf.LayersModel;

  constructor(readonly geometry: Geometry) {
    this.net = createLeNet(geometry.shape, 0, [], geometry.classes);
    const model = this.net.model;
    this.layered = tf.model({
      inputs: model.inputs,
      outputs: PROBE_LAYERS.map((layer) => model.getLayer(MODEL_LAYERS[layer]).output as tf.SymbolicTensor),
    });
  }

  /** Loads a snapshot's weights; every tensor of LeNet must be there, with its shape. */
  setWeights(weights: SnapshotWeights): void {
    for (const { name, variable } of this.net.weights) {
      const data = weights[name];
      const size = variable.shape.reduce((a, b) => a * b, 1);
      if (!data) throw new Error(`the snapshot has no ${name}`);
      if (data.length !== size) throw new Error(`${name} has ${data.length} values; this model needs [${variable.shape.join(', ')}] (${size})`);
      tf.tidy(() => variable.assign(tf.tensor(data, variable.shape)));
    }
  }

  /** Every compared layer's output for each image of `split`, as [images, features] (the caller disposes them). */
  layerOutputs(split: Split): Record<ProbeLayer, tf.Tensor2D> {
    return tf.tidy(() => {
      const { x } = batchTensors(split, this.geometry, 0, split.count);
      const outputs = this.layered.predict(x) as tf.Tensor[];
      return Object.fromEntries(PROBE_LAYERS.map((layer, i) => [layer, tf.reshape(outputs[i]!, [split.count, -1])])) as Record<ProbeLayer, tf.Tensor2D>;
    });
  }

  /** The same, as arrays. */
  activations(split: Split): ForwardActivations {
    const outputs = this.layerOutputs(split);
    const arrays = Object.fromEntries(PROBE_LAYERS.map((layer) => [layer, outputs[layer].dataSync() as Float32Array]));
    tf.dispose(Object.values(outputs));
    return arrays as ForwardActivations;
  }

  /** What the analyses keep of this snapshot on the probe set `split`: each layer's centred Gram, the dead units. */
  measureLayers(split: Split): SnapshotLayers {
    const outputs = this.layerOutputs(split);
    try {
      return snapshotLayers(outputs);
    } finally {
      tf.dispose(Object.values(outputs));
    }
  }

  /** The accuracy on `split`, measured as the training loop measures its test accuracy (its own evaluate). */
  async accuracy(split: Split): Promise<number> {
    return (await evaluate(this.net, split, this.geometry))!.accuracy;
  }

  /** Every layer's output for each image of `split`. */
  maps(split: Split): ForwardMaps {
    const outputs = tf.tidy(() => {
      const { x } = batchTensors(split, this.geometry, 0, split.count);
      const [conv1, pool1, conv2, , , logits] = this.layered.predict(x) as tf.Tensor[];
      return [conv1!, pool1!, conv2!, tf.softmax(logits!)];
    });
    const [conv1, pool1, conv2, probabilities] = outputs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outputs);
    return { conv1: conv1!, pool1: pool1!, conv2: conv2!, probabilities: probabilities! };
  }

  /** The predicted class of each image of `split`, and its probability. */
  predict(split: Split): ForwardPredictions {
    const predicted = new Uint8Array(split.count);
    const confidence = new Float32Array(split.count);
    this.softmaxBatches(split, (p, start) => {
      const [classes, probs] = tf.tidy(() => [tf.argMax(p, 1), tf.max(p, 1)]);
      predicted.set(classes!.dataSync(), start);
      confidence.set(probs!.dataSync(), start);
      tf.dispose([classes!, probs!]);
    });
    return { predicted, confidence };
  }

  /** Each image of `split` against its label: predicted right (1) or not (0), and its label's probability (float16 bits). */
  ledger(split: Split): ForwardLedger {
    const correct = new Uint8Array(split.count);
    const pTrue = new Uint16Array(split.count);
    this.softmaxBatches(split, (p, start, end) => {
      const probs = p.dataSync() as Float32Array;
      const k = this.geometry.classes;
      for (let i = start; i < end; i++) {
        const row = probs.subarray((i - start) * k, (i - start + 1) * k);
        const label = split.labels[i]!;
        // The first largest, as argMax (and NumPy's argmax) picks it.
        let best = 0;
        for (let c = 1; c < k; c++) if (row[c]! > row[best]!) best = c;
        correct[i] = best === label ? 1 : 0;
        pTrue[i] = toHalfBits(row[label]!);
      }
    });
    return { correct, pTrue };
  }

  /** The softmax of the logits for `split`, PREDICT_BATCH images at a time (disposed after `each`). */
  private softmaxBatches(split: Split, each: (p: tf.Tensor2D, start: number, end: number) => void): void {
    for (let start = 0; start < split.count; start += PREDICT_BATCH) {
      const end = Math.min(split.count, start + PREDICT_BATCH);
      const p = tf.tidy(() => tf.softmax(this.net.model.predict(batchTensors(split, this.geometry, start, end).x) as tf.Tensor2D));
      try {
        each(p, start, end);
      } finally {
        p.dispose();
      }
    }
  }

  dispose(): void {
    this.net.model.dispose();
  }
}

/** Whether two geometries are the same model. */
const sameGeometry = (a: Geometry, b: Geometry) => a.classes === b.classes && a.shape.every((v, i) => v === b.shape[i]);

/**
 * What a trainer process answering `forward` requests keeps between them: its backend (started on the
 * first, the best this machine has) and the model of the last geometry asked for.
 */
export class ForwardServer {
  private backend: Promise<unknown> | undefined;
  private model: ForwardModel | undefined;
  private readonly layers = new LayerCache();

  async answer(request: ForwardRequest): Promise<FromTrainer> {
    try {
      await (this.backend ??= initUnmeasured());
      const model = this.modelFor(request.geometry);
      const measure = (weights: SnapshotWeights) => {
        model.setWeights(weights);
        return model.measureLayers(request.split);
      };
      if (request.output === 'layers') return { type: 'forward', id: request.id, result: this.layers.answer(request.layers, request.weights, measure) };
      if (request.output === 'cross') return { type: 'forward', id: request.id, result: this.layers.cross(request.cross, request.weights, measure) };
      if (request.output === 'rewind') {
        return { type: 'forward', id: request.id, result: { accuracy: await rewindAccuracies(model, request.weights, request.rewind, request.split) } };
      }
      if (request.output === 'linear-fit') {
        const pixels = request.geometry.shape.reduce((a, b) => a * b, 1);
        return { type: 'forward', id: request.id, result: fitLinear(request.split, pixels, request.geometry.classes, request.fit) };
      }
      if (request.output === 'top9') return { type: 'forward', id: request.id, result: topExamples(request.weights, request.split, request.geometry) };
      if (request.output === 'featurevis') return { type: 'forward', id: request.id, result: featureVis(request.weights, request.geometry, request.steps, request.seed) };
      model.setWeights(request.weights);
      const { split } = request;
      const result =
        request.output === 'maps' ? model.maps(split) : request.output === 'activations' ? model.activations(split) : request.output === 'ledger' ? model.ledger(split) : model.predict(split);
      return { type: 'forward', id: request.id, result };
    } catch (err) {
      return { type: 'forward-failed', id: request.id, message: err instanceof Error ? err.message : String(err) };
    }
  }

  private modelFor(geometry: Geometry): ForwardModel {
    if (!this.model || !sameGeometry(this.model.geometry, geometry)) {
      this.model?.dispose();
      this.model = new ForwardModel(geometry);
    }
    return this.model;
  }
}
