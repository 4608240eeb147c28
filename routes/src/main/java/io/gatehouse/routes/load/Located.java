package io.gatehouse.routes.load;

import java.nio.file.Path;

/** A config node and the directory its relative file paths resolve against. */
record Located(Node node, Path baseDir) {}
