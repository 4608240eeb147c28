package io.gatehouse.gateway;

/** {@code java -jar gatehouse.jar run|validate ...}: see {@link Cli}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(Cli.run(args, System.out, System.err));
  }
}
