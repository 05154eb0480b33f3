"""A preset as a live WebGL shader: bake (the CPU's numbers), glsl (the shader), page (one HTML file)."""
