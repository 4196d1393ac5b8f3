// Colour contrast AA (WCAG 2.1 §1.4.3): every rule of the theme that sets a text colour
// reaches 4.5:1 against its own background, or against both page backgrounds (--bg,
// --surface) when it sets none. A colour change that breaks it fails here.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const css = readFileSync(resolve(__dirname, '../src/theme.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
const vars = new Map<string, string>();
for (const m of css.matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)) vars.set(m[1] ?? '', (m[2] ?? '').trim());

type Rgba = [number, number, number, number];
function colour(value: string): Rgba | null {
  let v = value.trim();
  for (let i = 0; i < 5; i++) {
    const ref = /^var\((--[\w-]+)\)$/.exec(v);
    if (!ref) break;
    v = vars.get(ref[1] ?? '') ?? '';
  }
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(v);
  if (hex) {
    const h = (hex[1] ?? '').length === 3 ? [...(hex[1] ?? '')].map((c) => c + c).join('') : hex[1] ?? '';
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)).concat(1) as Rgba;
  }
  const rgb = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)\s*(?:[/,]\s*([\d.]+))?\s*\)$/.exec(v);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3]), rgb[4] === undefined ? 1 : Number(rgb[4])];
  return null;  // none, transparent, inherit, currentColor: nothing to check against
}
function over(top: Rgba, under: Rgba): Rgba {
  const a = top[3];
  return [0, 1, 2].map((i) => (top[i] ?? 0) * a + (under[i] ?? 0) * (1 - a)).concat(1) as Rgba;
}
function luminance(c: Rgba): number {
  const [r, g, b] = [c[0], c[1], c[2]].map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function ratio(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe('theme contrast', () => {
  it('computes the WCAG ratio (black on white is 21:1)', () => {
    expect(ratio([0, 0, 0, 1], [255, 255, 255, 1])).toBeCloseTo(21);
  });

  it('every text colour reaches 4.5:1 against its background', () => {
    const page = [colour('var(--bg)'), colour('var(--surface)')] as Rgba[];
    const failures: string[] = [];
    let checked = 0;
    for (const rule of css.matchAll(/([^{}]+)\{([^}]*)\}/g)) {
      const selector = (rule[1] ?? '').trim();
      const body = rule[2] ?? '';
      const text = /(?:^|;)\s*color\s*:\s*([^;]+)/.exec(body);
      if (!text) continue;
      const fg = colour(text[1] ?? '');
      if (!fg) continue;
      const bg_value = /(?:^|;)\s*background(?:-color)?\s*:\s*([^;]+)/.exec(body);
      const own = bg_value ? colour(bg_value[1] ?? '') : null;
      const backgrounds = own ? [own[3] < 1 ? over(own, page[0] as Rgba) : own] : page;
      for (const bg of backgrounds) {
        checked += 1;
        const r = ratio(fg[3] < 1 ? over(fg, bg) : fg, bg);
        if (r < 4.5) failures.push(`${selector}: ${r.toFixed(2)}:1`);
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(failures).toEqual([]);
  });
});
