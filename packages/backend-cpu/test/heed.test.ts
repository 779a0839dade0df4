/** Composition through the container: backend selection, plugins by name, errors. */
import { describe, expect, it } from 'vitest';
import { ContainerModule, injectable } from 'inversify';
import { BackendError, PluginNotFoundError, TOKENS, backendModule, bindNamed, createHeed, ops } from '@heed/core';
import { CpuBackend, cpuBackendModule } from '../src/index.js';

describe('createHeed', () => {
  it('picks the highest-priority backend that initialises', async () => {
    const failing = backendModule({ name: 'broken-gpu', priority: 100, create: () => Promise.reject(new Error('no adapter')) });
    const heed = await createHeed({ plugins: [cpuBackendModule, failing] });
    expect(heed.backendName).toBe('cpu');
    const y = ops.add(ops.tensor([1, 2]), 1);
    expect(Array.from(await y.data())).toEqual([2, 3]);
    heed.dispose();
  });

  it('an unknown backend name lists the registered ones', async () => {
    await expect(createHeed({ plugins: [cpuBackendModule], backend: 'tpu' })).rejects.toThrow(PluginNotFoundError);
    await expect(createHeed({ plugins: [cpuBackendModule], backend: 'tpu' })).rejects.toThrow(/"tpu".*"cpu"/);
  });

  it('a named backend that fails to initialise gives a BackendError with the cause', async () => {
    const failing = backendModule({ name: 'broken', priority: 1, create: () => { throw new Error('driver missing'); } });
    await expect(createHeed({ plugins: [failing], backend: 'broken' })).rejects.toThrow(BackendError);
    await expect(createHeed({ plugins: [failing] })).rejects.toThrow(/driver missing/);
    await expect(createHeed({ plugins: [] })).rejects.toThrow(/no backend is registered/);
  });

  it('resolves named plugins registered by a user module, and lists names on a miss', async () => {
    interface Greeter {
      greet(): string;
    }
    @injectable()
    class Hello implements Greeter {
      greet(): string {
        return 'hello';
      }
    }
    const token = Symbol.for('test.Greeter');
    const mod = new ContainerModule((options) => bindNamed(options, token, 'hello', Hello));
    const heed = await createHeed({ plugins: [cpuBackendModule, mod] });
    expect(heed.get<Greeter>(token, 'hello').greet()).toBe('hello');
    expect(() => heed.get(token, 'bye')).toThrow(/No test\.greeter named "bye".*"hello"/i);
    expect(heed.container.get(TOKENS.Engine)).toBe(heed.engine);
    expect(heed.names(TOKENS.Backend)).toEqual(['cpu']);
    heed.dispose();
  });

  it('tensors from two apps cannot be mixed', async () => {
    const a = await createHeed({ plugins: [cpuBackendModule], setActive: false });
    const b = await createHeed({ plugins: [cpuBackendModule], setActive: false });
    const x = ops.tensor([1], [1], 'float32', { engine: a.engine });
    const y = ops.tensor([1], [1], 'float32', { engine: b.engine });
    expect(() => ops.add(x, y)).toThrow(/another Heed instance/);
    a.dispose();
    b.dispose();
  });

  it('the CPU backend reports its gemm kernel', () => {
    const be = new CpuBackend({ threads: 1 });
    expect(be.info.kernel).toMatch(/simd|relaxed|js|native/);
    const wasmOnly = new CpuBackend({ threads: 1, native: false });
    expect(wasmOnly.info.kernel).not.toMatch(/native/);
    wasmOnly.dispose();
    be.dispose();
  });
});
