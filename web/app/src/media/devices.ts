// Camera and microphone for the pre-join screen: listing, opening the chosen pair, and
// turning the browser's getUserMedia errors into something a person can act on.

export type DeviceProblem = 'denied' | 'not-found' | 'in-use' | 'failed';

// getUserMedia rejects with a DOMException whose name says why (Media Capture and
// Streams §10.2 "getUserMedia"): NotAllowedError when the user or a policy said no.
export function classify_media_error(error: unknown): DeviceProblem {
  const name = typeof error === 'object' && error !== null && 'name' in error
    ? String((error as { name: unknown }).name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError':
      return 'not-found';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'in-use';
    default:
      return 'failed';
  }
}

export interface DeviceChoice {
  // '' = the browser's default device, null = do not use this kind at all.
  camera: string | null;
  microphone: string | null;
}

export function constraints_for(choice: DeviceChoice): MediaStreamConstraints {
  const pick = (id: string | null): boolean | MediaTrackConstraints =>
    id === null ? false : id === '' ? true : { deviceId: { exact: id } };
  return { video: pick(choice.camera), audio: pick(choice.microphone) };
}

export interface DeviceLists {
  cameras: MediaDeviceInfo[];
  microphones: MediaDeviceInfo[];
}

export async function list_devices(): Promise<DeviceLists> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return {
    cameras: devices.filter((d) => d.kind === 'videoinput' && d.deviceId !== ''),
    microphones: devices.filter((d) => d.kind === 'audioinput' && d.deviceId !== ''),
  };
}

export async function open_devices(choice: DeviceChoice): Promise<MediaStream | null> {
  if (choice.camera === null && choice.microphone === null) return null;
  if (!navigator.mediaDevices?.getUserMedia) {
    throw Object.assign(new Error('getUserMedia unavailable (page not served over https?)'),
      { name: 'SecurityError' });
  }
  return navigator.mediaDevices.getUserMedia(constraints_for(choice));
}

export function stop_stream(stream: MediaStream | null): void {
  stream?.getTracks().forEach((track) => track.stop());
}
