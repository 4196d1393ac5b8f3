// WHIP publisher: camera and microphone as sendonly transceivers.
import { run_http_page } from './http_page.js';

const preview = document.getElementById('preview');

run_http_page({
  kind: 'whip',
  setup: async (pc) => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    preview.srcObject = stream;
    for (const track of stream.getTracks()) {
      pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    }
    return () => {
      stream.getTracks().forEach((t) => t.stop());
      preview.srcObject = null;
    };
  },
});
