import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The engine serves the build at /console; in development, API calls go to a local engine.
const engine = process.env.CITE_ENGINE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2500,
    sourcemap: false,
  },
  server: {
    proxy: {
      '/admin/api': engine,
      '/v1': engine,
    },
  },
});
