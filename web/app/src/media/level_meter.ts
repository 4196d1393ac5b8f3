// Microphone level for the pre-join meter: RMS of the analyser's time-domain samples,
// mapped to 0..1 on a dB scale so speech moves the bar visibly.

import { signal } from '@preact/signals';
import type { Signal } from '@preact/signals';

const kFloorDb = -60;

// 0 for silence (or below -60 dBFS), 1 at full scale.
export function level_from_samples(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / samples.length);
  if (rms <= 0) return 0;
  const db = 20 * Math.log10(rms);
  return Math.min(1, Math.max(0, (db - kFloorDb) / -kFloorDb));
}

export class LevelMeter {
  readonly level: Signal<number> = signal(0);
  private context_: AudioContext | null = null;
  private frame_ = 0;

  start(stream: MediaStream): void {
    this.stop();
    if (stream.getAudioTracks().length === 0 || typeof AudioContext === 'undefined') return;
    const context = new AudioContext();
    this.context_ = context;
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const tick = () => {
      analyser.getFloatTimeDomainData(samples);
      this.level.value = level_from_samples(samples);
      this.frame_ = requestAnimationFrame(tick);
    };
    tick();
  }

  stop(): void {
    cancelAnimationFrame(this.frame_);
    void this.context_?.close();
    this.context_ = null;
    this.level.value = 0;
  }
}
