// UI languages: the locale is a signal, so changing it in the picker re-renders every
// string; t() looks keys up in the current catalog. Hebrew is right to left: the document
// gets dir="rtl" and the stylesheet uses logical properties only, so the layout mirrors.

import { computed, effect, signal } from '@preact/signals';
import { az } from './catalogs/az';
import { en } from './catalogs/en';
import type { Catalog, MessageKey } from './catalogs/en';
import { he } from './catalogs/he';
import { ru } from './catalogs/ru';

export type { MessageKey } from './catalogs/en';

export const kLocales = ['en', 'az', 'he', 'ru'] as const;
export type Locale = (typeof kLocales)[number];

export const kCatalogs: Readonly<Record<Locale, Catalog>> = { en, az, he, ru };

// Each language's own name, for the picker (not translated: people look for their own).
export const kLocaleNames: Readonly<Record<Locale, string>> = {
  en: 'English', az: 'Azərbaycanca', he: 'עברית', ru: 'Русский',
};

const kRtlLocales: ReadonlySet<Locale> = new Set<Locale>(['he']);
const kStorageKey = 'podium.locale';

export function is_locale(value: unknown): value is Locale {
  return typeof value === 'string' && (kLocales as readonly string[]).includes(value);
}

// First supported language among the browser's preferences (BCP 47 tags such as
// "ru-RU" or "iw" match on the primary subtag), else English.
export function negotiate_locale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    let primary = tag.toLowerCase().split(/[-_]/)[0] ?? '';
    if (primary === 'iw') primary = 'he';  // the pre-1989 code some systems still send
    if (is_locale(primary)) return primary;
  }
  return 'en';
}

function initial_locale(): Locale {
  try {
    const saved = globalThis.localStorage?.getItem(kStorageKey);
    if (is_locale(saved)) return saved;
  } catch {
    // Storage disabled (private mode): fall back to the browser's languages.
  }
  const nav = globalThis.navigator;
  return negotiate_locale(nav?.languages?.length ? nav.languages : [nav?.language ?? 'en']);
}

export const locale = signal<Locale>(initial_locale());
export const direction = computed<'rtl' | 'ltr'>(() => (kRtlLocales.has(locale.value) ? 'rtl' : 'ltr'));

export function set_locale(next: Locale): void {
  locale.value = next;
  try {
    globalThis.localStorage?.setItem(kStorageKey, next);
  } catch {
    // Not persisted; the choice still holds for this page.
  }
}

// Keeps <html lang dir> in line with the locale (screen readers and the bidi algorithm
// read them). Returns the disposer.
export function bind_document(doc: Document): () => void {
  return effect(() => {
    doc.documentElement.lang = locale.value;
    doc.documentElement.dir = direction.value;
  });
}

export function translate(loc: Locale, key: MessageKey, params: Record<string, string> = {}): string {
  const template = kCatalogs[loc][key] ?? en[key];
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => params[name] ?? whole);
}

// Reads the locale signal, so a component calling t() re-renders when it changes.
export function t(key: MessageKey, params?: Record<string, string>): string {
  return translate(locale.value, key, params);
}

// A count in the locale's digits and grouping (1,234; 1 234).
export function format_number(n: number, loc: Locale = locale.value): string {
  return new Intl.NumberFormat(loc).format(n);
}

// A time of day in the locale and the viewer's (or the given) time zone.
export function format_time(when: Date, loc: Locale = locale.value, time_zone?: string): string {
  return new Intl.DateTimeFormat(loc, { hour: '2-digit', minute: '2-digit', timeZone: time_zone })
    .format(when);
}

export function format_date_time(when: Date, loc: Locale = locale.value, time_zone?: string): string {
  return new Intl.DateTimeFormat(loc, { dateStyle: 'medium', timeStyle: 'short', timeZone: time_zone })
    .format(when);
}
