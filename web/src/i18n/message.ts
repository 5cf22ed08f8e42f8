/**
 * A message to translate later: what framework-free code (the call controller, the recorder, the
 * signaling socket) hands to the screen, which translates it in the language of the moment (a
 * language switch during a call re-renders every notice).
 */
import i18n from './index.ts';

/** A catalogue key and its interpolation values. */
export interface Message {
  key: string;
  values?: Record<string, string | number>;
}

/** Builds a `Message`. */
export function msg(key: string, values?: Record<string, string | number>): Message {
  return values ? { key, values } : { key };
}

/** The message in the current language (its key when missing, which the catalogue test forbids). */
export function translate(message: Message): string {
  return i18n.t(message.key as never, message.values as never) as unknown as string;
}
