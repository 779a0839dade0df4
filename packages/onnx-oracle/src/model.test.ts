import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { attributeProto, buildOnnxModel, cachedOnnxSessionCount, f32, releaseOnnxSessions, runOnnxOp, toNumbers } from './index.js';

const { onnx } = onnxProto;
const T = onnx.AttributeProto.AttributeType;

describe('attributeProto typing rules', () => {
  it('chooses INT/FLOAT/INTS/FLOATS/STRING(S) from the JS value and the name', () => {
    expect(attributeProto('axis', 1)).toMatchObject({ type: T.INT, i: 1 });
    expect(attributeProto('ratio', 0.5)).toMatchObject({ type: T.FLOAT, f: 0.5 });
    expect(attributeProto('epsilon', 1)).toMatchObject({ type: T.FLOAT, f: 1 });
    expect(attributeProto('perm', [1, 0])).toMatchObject({ type: T.INTS, ints: [1, 0] });
    expect(attributeProto('activation_alpha', [1, 2])).toMatchObject({ type: T.FLOATS, floats: [1, 2] });
    expect(attributeProto('x', new Float32Array([1, 2]))).toMatchObject({ type: T.FLOATS, floats: [1, 2] });
    expect(attributeProto('direction', 'reverse')).toMatchObject({ type: T.STRING });
    expect(attributeProto('activations', ['Sigmoid', 'Tanh'])).toMatchObject({ type: T.STRINGS });
    expect(attributeProto('v', { float: 2 })).toMatchObject({ type: T.FLOAT, f: 2 });
    expect(attributeProto('v', { ints: [] })).toMatchObject({ type: T.INTS, ints: [] });
    expect(attributeProto('value', { tensor: f32([1], [3]) })).toMatchObject({ type: T.TENSOR });
  });

  it('encodes a model that decodes back to the same graph', () => {
    const bytes = buildOnnxModel({ opset: 20, inputs: { x: f32([2], [1, 2]) }, nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }], outputs: ['y'] });
    const model = onnx.ModelProto.decode(bytes);
    expect(Number(model.irVersion)).toBe(9);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 20]]);
    expect(model.graph!.node![0]!.opType).toBe('Relu');
    expect(model.graph!.input![0]!.type!.tensorType!.elemType).toBe(onnx.TensorProto.DataType.FLOAT);
  });
});

describe('session cache', () => {
  afterAll(releaseOnnxSessions);

  it('reuses one session per identical model when asked, and releases them', async () => {
    expect(cachedOnnxSessionCount()).toBe(0);
    const a = await runOnnxOp('Neg', [f32([2], [1, -2])], {}, { cache: true });
    const b = await runOnnxOp('Neg', [f32([2], [3, 4])], {}, { cache: true });
    await runOnnxOp('Neg', [f32([3], [3, 4, 5])], {}, { cache: true }); // same rank and dtype: same model
    expect(cachedOnnxSessionCount()).toBe(1);
    await runOnnxOp('Neg', [f32([1, 1], [3])], {}, { cache: true }); // other rank: other model
    expect(cachedOnnxSessionCount()).toBe(2);
    await runOnnxOp('Neg', [f32([1], [3])]); // not cached
    expect(cachedOnnxSessionCount()).toBe(2);
    expect([toNumbers(a[0]!), toNumbers(b[0]!)]).toEqual([[-1, 2], [-3, -4]]);
    await releaseOnnxSessions();
    expect(cachedOnnxSessionCount()).toBe(0);
  });
});
