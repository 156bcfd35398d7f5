"""JASPAR motifs and the region modality: ``jaspar`` (load PWMs from pyjaspar), ``scan``
(vectorised two-strand scanning: maxima, per-window scores, hits), ``region_matrix``
(regions x TFs matrices, cached), ``cli_scan`` (``genebert motifs scan/list``)."""
