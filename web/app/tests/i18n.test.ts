import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  bind_document, direction, format_date_time, format_time, kCatalogs, kLocales, locale,
  negotiate_locale, set_locale, translate,
} from '../src/i18n/i18n';
import { en } from '../src/i18n/catalogs/en';

const placeholders = (s: string) => [...s.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]).sort();

describe('catalogs', () => {
  it('every language has every key, translated, with the same placeholders', () => {
    const keys = Object.keys(en).sort();
    for (const loc of kLocales) {
      const catalog = kCatalogs[loc];
      expect(Object.keys(catalog).sort(), loc).toEqual(keys);
      for (const key of keys) {
        const text = catalog[key as keyof typeof en];
        expect(text.trim().length, `${loc} ${key}`).toBeGreaterThan(0);
        expect(placeholders(text), `${loc} ${key}`).toEqual(placeholders(en[key as keyof typeof en]));
      }
    }
  });

  it('non-English catalogs are actually translated', () => {
    for (const loc of ['az', 'he', 'ru'] as const) {
      const same = Object.keys(en).filter((k) => {
        const key = k as keyof typeof en;
        return kCatalogs[loc][key] === en[key] && !['app.title', 'role.moderator'].includes(k);
      });
      expect(same, loc).toEqual([]);
    }
  });
});

describe('locale', () => {
  it('is negotiated from the browser languages', () => {
    expect(negotiate_locale(['ru-RU', 'en'])).toBe('ru');
    expect(negotiate_locale(['fr-FR', 'az-Latn-AZ'])).toBe('az');
    expect(negotiate_locale(['iw-IL'])).toBe('he');
    expect(negotiate_locale(['de', 'fr'])).toBe('en');
    expect(negotiate_locale([])).toBe('en');
  });

  it('Hebrew turns the document right to left and back', () => {
    const dispose = bind_document(document);
    set_locale('he');
    expect(direction.value).toBe('rtl');
    expect(document.documentElement.dir).toBe('rtl');
    expect(document.documentElement.lang).toBe('he');
    expect(localStorage.getItem('podium.locale')).toBe('he');
    set_locale('az');
    expect(document.documentElement.dir).toBe('ltr');
    expect(document.documentElement.lang).toBe('az');
    dispose();
    set_locale('en');
    expect(locale.value).toBe('en');
  });

  it('fills placeholders', () => {
    expect(translate('ru', 'announce.joined', { name: 'Alice' })).toBe('Alice подключается');
    expect(translate('he', 'stage.you', { name: 'דנה' })).toBe('דנה (את/ה)');
  });

  it('formats times per locale and time zone', () => {
    const when = new Date(Date.UTC(2026, 2, 14, 15, 5));
    expect(format_time(when, 'en', 'UTC')).toMatch(/03:05\sPM/);
    expect(format_time(when, 'ru', 'UTC')).toBe('15:05');
    expect(format_time(when, 'ru', 'Asia/Baku')).toBe('19:05');
    expect(format_time(when, 'he', 'Asia/Jerusalem')).toBe('17:05');
    expect(format_date_time(when, 'ru', 'UTC')).toMatch(/2026/);
  });
});

// No user-visible text may be written into a component: it would not be translated.
describe('components', () => {
  const dir = resolve(__dirname, '../src/components');
  const kVisibleAttributes = new Set(['aria-label', 'title', 'placeholder', 'alt', 'aria-description']);
  const has_letter = (s: string) => /\p{L}/u.test(s);

  function literals(file: string): string[] {
    const text = readFileSync(resolve(dir, file), 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
    const found: string[] = [];
    const visit = (node: ts.Node) => {
      if (ts.isJsxText(node) && has_letter(node.text)) found.push(node.text.trim());
      if (ts.isJsxExpression(node) && node.expression &&
          (ts.isStringLiteral(node.expression) || ts.isNoSubstitutionTemplateLiteral(node.expression)) &&
          ts.isJsxElement(node.parent) && has_letter(node.expression.text)) {
        found.push(node.expression.text);
      }
      if (ts.isJsxAttribute(node) && kVisibleAttributes.has(node.name.getText(source)) &&
          node.initializer && ts.isStringLiteral(node.initializer) && has_letter(node.initializer.text)) {
        found.push(node.initializer.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    return found;
  }

  it('contain no hard-coded strings', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.tsx'));
    expect(files.length).toBeGreaterThan(4);
    for (const file of files) expect(literals(file), file).toEqual([]);
  });

  it('the scanner finds hard-coded text', () => {
    const source = ts.createSourceFile('x.tsx', '<p title="Hello">Leave {"now"}</p>', ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
    let texts = 0;
    const visit = (node: ts.Node) => { if (ts.isJsxText(node) && /\p{L}/u.test(node.text)) texts += 1; ts.forEachChild(node, visit); };
    visit(source);
    expect(texts).toBe(1);
  });
});
