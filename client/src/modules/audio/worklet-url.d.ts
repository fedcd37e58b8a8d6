// Vite's `?worker&url` import: the URL of a separately bundled script (the AudioWorklet module).
declare module '*?worker&url' {
  const url: string;
  export default url;
}
