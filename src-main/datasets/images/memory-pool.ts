/**
 * Bytes that work running at once may take together. Each piece of work says what it will take before it
 * starts and waits, in turn, until that much is free: eight small images decode side by side, one large
 * one waits for room. A piece larger than the whole pool runs alone.
 */
export class MemoryPool {
  private free: number;
  private readonly waiting: { bytes: number; start: () => void }[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  async use<T>(bytes: number, work: () => Promise<T>): Promise<T> {
    const want = Math.min(bytes, this.size);
    if (this.waiting.length > 0 || want > this.free) await new Promise<void>((start) => this.waiting.push({ bytes: want, start }));
    else this.free -= want;
    try {
      return await work();
    } finally {
      this.free += want;
      this.startWaiting();
    }
  }

  /** Starts those waiting, first come first served, while there is room for the next. */
  private startWaiting(): void {
    while (this.waiting.length > 0 && this.waiting[0]!.bytes <= this.free) {
      const next = this.waiting.shift()!;
      this.free -= next.bytes;
      next.start();
    }
  }
}
