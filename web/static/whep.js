// WHEP player: recvonly audio and video, shown in one <video>.
import { run_http_page } from './http_page.js';

const player = document.getElementById('player');
const stream = new MediaStream();

run_http_page({
  kind: 'whep',
  setup: (pc) => {
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.addTransceiver('video', { direction: 'recvonly' });
    return () => {
      stream.getTracks().forEach((t) => stream.removeTrack(t));
      player.srcObject = null;
    };
  },
  on_track: (event) => {
    stream.addTrack(event.track);
    // Attached only once there is a track: a media element with an empty
    // stream delays the page's load event indefinitely.
    if (player.srcObject !== stream) player.srcObject = stream;
    player.play().catch(() => {
      player.muted = true; // autoplay policy: start muted, the controls unmute
      player.play().catch(() => {});
    });
  },
});
