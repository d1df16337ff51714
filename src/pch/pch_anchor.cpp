// Empty translation unit: the targets in this folder exist only to own precompiled headers.
