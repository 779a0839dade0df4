/** GPUBufferUsage flags, spelled out so the code does not need the global (absent in Node). */
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;

/**
 * The size class a request is rounded up to: powers of two up to 4 KiB, then eight
 * classes per octave (at most 12.5% slack), so buffers are reused across nearby sizes.
 */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 4) * 4);
  if (b <= 4096) return 2 ** Math.ceil(Math.log2(b));
  const step = 2 ** (Math.floor(Math.log2(b - 1)) - 3);
  return Math.ceil(b / step) * step;
}

/**
 * Free GPU buffers by usage and size class. `acquire` reuses a free buffer of the class or
 * creates one; `release` returns it (or destroys it when the pool already holds
 * `maxPooledBytes`). Reuse is safe without fences because every use is a queue operation:
 * work submitted earlier that reads a buffer runs before work submitted later that
 * overwrites it.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private pooledBytes = 0;
  /** Buffers created over the pool's life (for tests of reuse). */
  created = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxPooledBytes = 256 * 1024 * 1024,
  ) {}

  acquire(bytes: number, usage: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(`${usage}:${size}`);
    const hit = list?.pop();
    if (hit) {
      this.pooledBytes -= size;
      return hit;
    }
    this.created++;
    return this.device.createBuffer({ size, usage });
  }

  release(buffer: GPUBuffer): void {
    if (this.pooledBytes + buffer.size > this.maxPooledBytes) {
      buffer.destroy();
      return;
    }
    const key = `${buffer.usage}:${buffer.size}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buffer);
    this.pooledBytes += buffer.size;
  }

  /** Free buffers and bytes held for reuse. */
  stats(): { buffers: number; bytes: number } {
    let buffers = 0;
    for (const l of this.free.values()) buffers += l.length;
    return { buffers, bytes: this.pooledBytes };
  }

  /** Destroys every free buffer. */
  destroy(): void {
    for (const l of this.free.values()) for (const b of l) b.destroy();
    this.free.clear();
    this.pooledBytes = 0;
  }
}
