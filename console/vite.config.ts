import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Served by release-api at /console/ (RELEASE_API_CONSOLE_DIR), same origin as its API.
export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 400 },
});
