// What a participant hears when the conference has languages: the floor (every remote
// participant's audio) and, when a language channel is chosen and an interpreter is live
// in it, that channel with the floor ducked under it to the chosen level. One WebAudio
// graph: floor sources → floor gain ┐
//          channel source → channel gain ┴→ master → analyser → speakers.
// The analyser is what a test (or a level meter) reads: exactly what is played.

declare global {
  interface Window {
    // The page's listening graph, for tests.
    podium_listening?: ListeningAudio;
  }
}

// Gain changes glide over about this long, so a switch does not click.
const kGlideSeconds = 0.03;

interface Source {
  node: MediaStreamAudioSourceNode;
  // Chromium renders a remote WebRTC track into WebAudio only while some media element
  // also consumes it; a muted one is enough.
  sink: HTMLAudioElement;
}

export class ListeningAudio {
  readonly context: AudioContext;
  readonly analyser: AnalyserNode;
  private readonly floor_: GainNode;
  private readonly channel_: GainNode;
  private floor_sources_ = new Map<MediaStreamTrack, Source>();
  private channel_source_: { track: MediaStreamTrack; source: Source } | null = null;

  constructor() {
    this.context = new AudioContext({ latencyHint: 'interactive' });
    this.floor_ = this.context.createGain();
    this.channel_ = this.context.createGain();
    this.channel_.gain.value = 0;
    const master = this.context.createGain();
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 4096;
    this.analyser.smoothingTimeConstant = 0.5;
    this.floor_.connect(master);
    this.channel_.connect(master);
    master.connect(this.analyser);
    this.analyser.connect(this.context.destination);
  }

  // Browsers start an AudioContext suspended until a user gesture; call from one.
  resume(): void {
    if (this.context.state === 'suspended') void this.context.resume().catch(() => undefined);
  }

  set_floor_tracks(tracks: readonly MediaStreamTrack[]): void {
    for (const [track, source] of this.floor_sources_) {
      if (tracks.includes(track)) continue;
      this.drop_(source);
      this.floor_sources_.delete(track);
    }
    for (const track of tracks) {
      if (!this.floor_sources_.has(track)) this.floor_sources_.set(track, this.source_(track, this.floor_));
    }
  }

  set_channel_track(track: MediaStreamTrack | null): void {
    if (this.channel_source_?.track === track) return;
    if (this.channel_source_) this.drop_(this.channel_source_.source);
    this.channel_source_ = track ? { track, source: this.source_(track, this.channel_) } : null;
  }

  // floor: 0..1; channel: 0 (not heard) or 1.
  set_gains(floor: number, channel: number): void {
    const now = this.context.currentTime;
    this.floor_.gain.setTargetAtTime(floor, now, kGlideSeconds);
    this.channel_.gain.setTargetAtTime(channel, now, kGlideSeconds);
  }

  // Level in dB (of full scale, as the analyser measures it) at each frequency.
  levels_db(frequencies: readonly number[]): number[] {
    const bins = new Float32Array(this.analyser.frequencyBinCount);
    this.analyser.getFloatFrequencyData(bins);
    const hz_per_bin = this.context.sampleRate / this.analyser.fftSize;
    return frequencies.map((f) => {
      const centre = Math.round(f / hz_per_bin);
      let peak = -Infinity;
      for (let i = Math.max(0, centre - 2); i <= Math.min(bins.length - 1, centre + 2); i++) {
        peak = Math.max(peak, bins[i] ?? -Infinity);
      }
      return peak;
    });
  }

  // What is connected, for a test's failure message.
  describe(): { state: string; floor_tracks: number; channel: boolean; floor_gain: number; channel_gain: number } {
    return {
      state: this.context.state,
      floor_tracks: this.floor_sources_.size,
      channel: this.channel_source_ !== null,
      floor_gain: this.floor_.gain.value,
      channel_gain: this.channel_.gain.value,
    };
  }

  close(): void {
    for (const source of this.floor_sources_.values()) this.drop_(source);
    this.floor_sources_.clear();
    if (this.channel_source_) this.drop_(this.channel_source_.source);
    this.channel_source_ = null;
    void this.context.close().catch(() => undefined);
  }

  private source_(track: MediaStreamTrack, into: AudioNode): Source {
    const stream = new MediaStream([track]);
    const sink = new Audio();
    sink.muted = true;
    sink.srcObject = stream;
    void sink.play().catch(() => undefined);
    const node = this.context.createMediaStreamSource(stream);
    node.connect(into);
    return { node, sink };
  }

  private drop_(source: Source): void {
    source.node.disconnect();
    source.sink.srcObject = null;
  }
}
