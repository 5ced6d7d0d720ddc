"""Audio in and out: decoding to 48 kHz windows and envelopes, rendering, playback."""
