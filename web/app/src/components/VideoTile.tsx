import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n/i18n';

interface Props {
  stream: MediaStream | null;
  label: string;
  speaking: boolean;
  large?: boolean;
  // Our own preview: muted so we do not hear ourselves, mirrored like a mirror.
  self?: boolean;
  participant?: string;
  // Sound played elsewhere (the interpretation listening graph).
  muted?: boolean;
  // Called with the video's rendered height in CSS pixels when it or the stream
  // changes, so the server can send the simulcast stream that fits.
  on_height?: (height: number) => void;
}

export function VideoTile({ stream, label, speaking, large = false, self = false, participant, muted = false, on_height }: Props) {
  const video = useRef<HTMLVideoElement>(null);
  const [blocked, set_blocked] = useState(false);
  const report = useRef(on_height);
  report.current = on_height;

  useEffect(() => {
    const el = video.current;
    if (!el || !stream || !report.current) return;
    report.current(el.clientHeight);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => report.current?.(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, [stream]);

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    if (el.srcObject !== stream) el.srcObject = stream;
    if (!stream) return;
    el.play().catch(() => {
      // Autoplay policy: sound needs a user gesture. Play muted and offer a button.
      if (el.muted) return;
      el.muted = true;
      set_blocked(true);
      el.play().catch(() => undefined);
    });
  }, [stream]);

  const classes = ['tile', large ? 'tile-large' : 'tile-small', speaking ? 'speaking' : '', self ? 'self' : '']
    .filter(Boolean).join(' ');
  return (
    <figure class={classes} data-participant={participant} data-speaking={speaking ? 'true' : 'false'}>
      <video ref={video} autoplay playsInline muted={self || muted} aria-label={label} />
      <figcaption>
        <span class="name">{label}</span>
        {speaking ? <span class="badge">{t('stage.speaking')}</span> : null}
      </figcaption>
      {blocked ? (
        <button
          type="button"
          class="unmute"
          onClick={() => {
            const el = video.current;
            if (el) { el.muted = false; void el.play().catch(() => undefined); }
            set_blocked(false);
          }}
        >
          {t('stage.unmute')}
        </button>
      ) : null}
    </figure>
  );
}
