package io.gatehouse.routes.load;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.Origin;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Parses YAML text into located {@link Node}s with Jackson's streaming parser: one root per
 * {@code ---} document. Anchors and aliases ({@code &x}, {@code *x}) are resolved here, since
 * the streaming parser only reports an alias's name. Syntax errors become one located problem
 * for the file; a key written twice in one mapping is an error (YAML forbids it, parsers differ).
 */
final class YamlTree {
  private static final YAMLFactory YAML = new YAMLFactory();
  /**
   * Aliases to lists and mappings share nodes, so a small file could fan out exponentially
   * ("billion laughs"); SnakeYAML's own loader stops at 50, and so does this one.
   */
  static final int MAX_COLLECTION_ALIASES = 50;

  private final String file;
  private final YAMLParser parser;
  private final Problems problems;
  private final Map<String, Node> anchors = new HashMap<>();
  private int collectionAliases;

  private YamlTree(String file, YAMLParser parser, Problems problems) {
    this.file = file;
    this.parser = parser;
    this.problems = problems;
  }

  /** The documents of {@code config}, or an empty list after adding a syntax error to {@code problems}. */
  static List<Node> parse(ConfigFile config, Problems problems) {
    // Problems found in the tree are kept only if the whole file parses: a syntax error is then the one error.
    Problems found = new Problems();
    try (YAMLParser parser = YAML.createParser(config.text())) {
      YamlTree tree = new YamlTree(config.name(), parser, found);
      List<Node> documents = new ArrayList<>();
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        Node root = tree.node(token);
        if (!(root instanceof Node.Scalar scalar && scalar.text() == null)) {
          documents.add(root);
        }
      }
      problems.addAll(found);
      return documents;
    } catch (JsonProcessingException e) {
      problems.add(syntaxError(config.name(), e));
    } catch (IOException | RuntimeException e) {
      // SnakeYAML throws its own unchecked exceptions for a few inputs Jackson does not wrap.
      problems.add(new Origin(config.name(), 1), "YAML syntax error: " + firstLine(String.valueOf(e.getMessage())));
    }
    return List.of();
  }

  private static ConfigError syntaxError(String file, JsonProcessingException e) {
    if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
      // SnakeYAML knows where the problem is (the location Jackson reports is where its context began).
      String context = marked.getContext() == null ? "" : marked.getContext() + ": ";
      return new ConfigError(new Origin(file, marked.getProblemMark().getLine() + 1),
          "YAML syntax error: " + context + firstLine(marked.getProblem()));
    }
    JsonLocation at = e.getLocation();
    return new ConfigError(new Origin(file, at == null ? 1 : Math.max(1, at.getLineNr())),
        "YAML syntax error: " + firstLine(e.getOriginalMessage()));
  }

  private Node node(JsonToken token) throws IOException {
    Origin origin = origin();
    if (parser.isCurrentAlias()) {
      return alias(origin, parser.getText());
    }
    String anchor = parser.getCurrentAnchor();
    Node node = switch (token) {
      case START_OBJECT -> mapping(origin);
      case START_ARRAY -> {
        List<Node> items = new ArrayList<>();
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
          items.add(node(token));
        }
        yield new Node.Sequence(origin, items);
      }
      case VALUE_NULL -> new Node.Scalar(origin, null);
      default -> new Node.Scalar(origin, parser.getText());
    };
    if (anchor != null) {
      anchors.put(anchor, node);
    }
    return node;
  }

  private Node mapping(Origin origin) throws IOException {
    List<Node.Field> fields = new ArrayList<>();
    Map<String, Origin> seen = new HashMap<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      Origin keyOrigin = origin();
      Origin first = seen.putIfAbsent(key, keyOrigin);
      if (first != null) {
        problems.add(keyOrigin, "key \"" + key + "\" is written twice in one mapping (first at " + first + ")");
      }
      fields.add(new Node.Field(key, keyOrigin, node(parser.nextToken())));
    }
    return new Node.Mapping(origin, fields);
  }

  private Node alias(Origin origin, String name) {
    Node target = anchors.get(name);
    if (target == null) {
      problems.add(origin, "YAML alias *" + name + " refers to no anchor &" + name + " defined before it in this file");
      return new Node.Scalar(origin, null);
    }
    if (!(target instanceof Node.Scalar) && ++collectionAliases > MAX_COLLECTION_ALIASES) {
      if (collectionAliases == MAX_COLLECTION_ALIASES + 1) {
        problems.add(origin, "more than " + MAX_COLLECTION_ALIASES + " YAML aliases to lists or mappings in one file");
      }
      return new Node.Scalar(origin, null);
    }
    return target;
  }

  private Origin origin() {
    return new Origin(file, Math.max(1, parser.currentTokenLocation().getLineNr()));
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    return (nl < 0 ? message : message.substring(0, nl)).trim();
  }
}
