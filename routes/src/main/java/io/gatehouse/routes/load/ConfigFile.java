package io.gatehouse.routes.load;

import java.nio.file.Path;

/**
 * One config document source: {@code name} is what errors print (a path as the user gave it, or
 * a source name such as {@code admin}); relative certificate paths resolve against {@code baseDir}.
 */
public record ConfigFile(String name, String text, Path baseDir) {}
