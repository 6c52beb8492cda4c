// What a controller tells the user besides its result (an engine kept on delete, an image left in
// use). Under the plugin the message goes to the engine's log for the resource being served (the
// CLI does not show a plugin's stderr); anywhere else (unit tests, old dynamic providers) it goes
// to stderr.

/** Where notices go. */
export type NoticeSink = (message: string) => void;

const toStderr: NoticeSink = (message) => console.error(message);
let sink: NoticeSink = toStderr;

/** Tells the user something about the resource being served, prefixed `dockyard: `. */
export function notice(message: string): void {
  sink(`dockyard: ${message}`);
}

/** Sends notices elsewhere (the plugin's engine log); undefined puts stderr back. */
export function setNoticeSink(next: NoticeSink | undefined): void {
  sink = next ?? toStderr;
}
