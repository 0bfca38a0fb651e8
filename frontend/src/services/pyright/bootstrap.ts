/**
 * The script each Pyright worker runs: a small patch, then basedpyright's own worker script.
 *
 * basedpyright's browser build listens on some MessagePorts with `addEventListener` and never
 * calls `start()` on them, so what is sent to them is never delivered. One of them carries
 * the background worker's answer to a diagnostics pull, which would then never come. A port
 * starts by itself when `onmessage` is set; the patch makes `addEventListener('message', …)`
 * start it the same way.
 */
const START_PORTS_ON_LISTEN = `{
  const listen = MessagePort.prototype.addEventListener;
  MessagePort.prototype.addEventListener = function (type, listener, options) {
    listen.call(this, type, listener, options);
    if (type === 'message') this.start();
  };
}`;

/** The bootstrap's source; `workerUrl` is resolved against `base` (a worker has no page URL). */
export function bootstrapSource(workerUrl: string, base: string): string {
  return `${START_PORTS_ON_LISTEN}\nimportScripts(${JSON.stringify(new URL(workerUrl, base).href)});\n`;
}

/** A URL to start the workers from: the script comes from the HTTP cache like any asset. */
export function bootstrapUrl(workerUrl: string): string {
  const source = bootstrapSource(workerUrl, location.href);
  return URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
}
