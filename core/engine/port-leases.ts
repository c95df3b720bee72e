/**
 * Serial ports the engine's own sessions hold, so discovery never opens one meanwhile.
 */
export class PortLeases {
  private readonly held = new Map<string, number>();

  isHeld(port: string): boolean {
    return this.held.has(port);
  }

  /** Marks `port` held until the returned release is called; releasing twice is harmless. */
  hold(port: string): () => void {
    this.held.set(port, (this.held.get(port) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(port) ?? 1) - 1;
      if (left > 0) this.held.set(port, left);
      else this.held.delete(port);
    };
  }
}
