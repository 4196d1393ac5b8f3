import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without type declarations
import { generate, kOutputPath, kSchemaPath } from '../scripts/gen-signaling-types.mjs';
import { kClientMessageTypes, kServerMessageTypes } from '../src/protocol/signaling.gen';
import { parse_server_message } from '../src/rtc/signaling_channel';

const kExamples = resolve(__dirname, '../../../docs/protocol/examples');

describe('signaling types', () => {
  it('are current with docs/protocol/signaling.schema.json', () => {
    const schema = JSON.parse(readFileSync(kSchemaPath, 'utf8'));
    // If this fails the schema changed: run `npm run gen` and fix what no longer compiles.
    expect(readFileSync(kOutputPath, 'utf8')).toBe(generate(schema));
  });

  it('name every message type the protocol examples use', () => {
    for (const file of readdirSync(kExamples).filter((f) => f.endsWith('.json'))) {
      const msg = JSON.parse(readFileSync(resolve(kExamples, file), 'utf8'));
      const known: readonly string[] = file.startsWith('server-') ? kServerMessageTypes : kClientMessageTypes;
      expect(known, file).toContain(msg.type);
      if (file.startsWith('server-')) expect(parse_server_message(JSON.stringify(msg)), file).toEqual(msg);
    }
  });

  it('parse_server_message drops frames that are not server messages', () => {
    expect(parse_server_message('not json')).toBeNull();
    expect(parse_server_message('[]')).toBeNull();
    expect(parse_server_message('null')).toBeNull();
    expect(parse_server_message('{"sdp":"x"}')).toBeNull();
    expect(parse_server_message('{"type":"offer","sdp":"x"}')).toBeNull();
    expect(parse_server_message(new ArrayBuffer(4))).toBeNull();
    expect(parse_server_message('{"type":"batch"}')).toBeNull();
    expect(parse_server_message('{"type":"batch","messages":[{"type":"batch","messages":[]},{"type":"pong"},7,{"type":"offer"}]}'))
      .toEqual({ type: 'batch', messages: [{ type: 'pong' }] });
    expect(readFileSync(resolve(kExamples, 'invalid/truncated.json'), 'utf8')).toBeTruthy();
    expect(parse_server_message(readFileSync(resolve(kExamples, 'invalid/truncated.json'), 'utf8'))).toBeNull();
  });

  it('the generator rejects schema constructs it does not understand', () => {
    expect(() => generate({ $defs: { X: { $ref: 'http://elsewhere#/x' } } })).toThrow(/unsupported \$ref/);
    expect(() => generate({ $defs: { X: { type: 'null' } } })).toThrow(/unsupported type/);
  });
});
