#!/usr/bin/env bash
# The training benchmark (`npm run bench training`, unchanged) on a machine with a GPU: it lists every
# backend that starts there, img/s at batch 64 and 256, and the ratios to wasm and to PyTorch.
#
#   tests/bench/on-gpu.sh        (in a checkout; runs `npm ci` first if node_modules is missing)
#
# Dawn (the webgpu package) reaches an NVIDIA GPU through the Vulkan loader (libvulkan.so.1) and NVIDIA's
# Vulkan driver manifest (nvidia_icd.json). A container given only the GPU's compute capability often has
# the driver's libraries (libGLX_nvidia.so.0 holds its Vulkan driver) but neither the loader nor the
# manifest: the loader is installed with apt-get where that is possible, and the manifest is written to
# a temporary folder. What was found is printed before the table.
set -euo pipefail
cd "$(dirname "$0")/../.."

if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
else
  echo "nvidia-smi: not found"
fi

if ! ldconfig -p | grep -q 'libvulkan\.so\.1 '; then
  if command -v apt-get >/dev/null && [ "$(id -u)" -eq 0 ]; then
    echo "installing the Vulkan loader (libvulkan1)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libvulkan1 >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libvulkan1 >/dev/null; }
  else
    echo "the Vulkan loader (libvulkan.so.1) is missing: install libvulkan1 (or your system's vulkan-loader) for WebGPU"
  fi
fi

manifests=(/usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json)
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] && ! ls "${manifests[@]}" >/dev/null 2>&1; then
  nvidia_vulkan=$(ldconfig -p | awk '/libGLX_nvidia\.so\.0 .*x86-64/ { print $NF; exit }')
  if [ -n "$nvidia_vulkan" ]; then
    dir=$(mktemp -d)
    printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$nvidia_vulkan" >"$dir/nvidia_icd.json"
    export VK_ICD_FILENAMES="$dir/nvidia_icd.json"
    echo "NVIDIA Vulkan manifest written to $VK_ICD_FILENAMES ($nvidia_vulkan)"
  else
    echo "no NVIDIA Vulkan driver (libGLX_nvidia.so.0) found: WebGPU sees software adapters at most"
  fi
fi

[ -d node_modules ] || npm ci
node --version
exec npm run bench training
