"""Page preparation: the page images an OCR engine is given (grayscale, seals taken out,
thresholded and straightened scans; flattened phone photos). It knows no engine: the
caller hands in whatever an engine must decide (the orientation check)."""
