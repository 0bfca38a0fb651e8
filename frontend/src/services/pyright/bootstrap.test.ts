import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapSource } from './bootstrap';

/** A port that, like a browser's, delivers nothing until `start()` is called. */
interface FakePort {
  started: number;
  listening: string[];
  addEventListener(type: string): void;
}

/** A new class each time: the bootstrap patches the prototype it finds. */
function fakePortClass() {
  return class implements FakePort {
    started = 0;
    listening: string[] = [];
    addEventListener(type: string): void {
      this.listening.push(type);
    }
    start(): void {
      this.started += 1;
    }
  };
}

const realPort = globalThis.MessagePort;
afterEach(() => {
  globalThis.MessagePort = realPort;
});

/** Runs the bootstrap as a worker would, with `importScripts` recorded instead of loaded. */
function runBootstrap(workerUrl: string, base: string): string[] {
  globalThis.MessagePort = fakePortClass() as unknown as typeof MessagePort;
  const imported: string[] = [];
  new Function('importScripts', bootstrapSource(workerUrl, base))((url: string) => imported.push(url));
  return imported;
}

describe('the Pyright worker bootstrap', () => {
  it('loads the worker script by its absolute URL', () => {
    expect(runBootstrap('/assets/pyright.worker-abc.js', 'https://ved.example/editor/7')).toEqual([
      'https://ved.example/assets/pyright.worker-abc.js',
    ]);
  });

  it('starts a port as soon as something listens to its messages, and only then', () => {
    runBootstrap('/assets/w.js', 'https://ved.example/');
    const port = new globalThis.MessagePort() as unknown as FakePort;
    port.addEventListener('messageerror');
    expect(port.started).toBe(0);
    port.addEventListener('message');
    expect(port.listening).toEqual(['messageerror', 'message']);
    expect(port.started).toBe(1);
  });
});
