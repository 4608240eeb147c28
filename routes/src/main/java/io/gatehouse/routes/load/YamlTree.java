package io.gatehouse.routes.load;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatehouse.routes.Origin;
import java.io.IOException;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses YAML text into located {@link Node}s with Jackson's streaming parser: one root per
 * {@code ---} document. Syntax errors become one located problem for the file.
 */
final class YamlTree {
  private static final YAMLFactory YAML = new YAMLFactory();

  private final String file;
  private final JsonParser parser;

  private YamlTree(String file, JsonParser parser) {
    this.file = file;
    this.parser = parser;
  }

  /** The documents of {@code config}, or an empty list after adding a syntax error to {@code problems}. */
  static List<Node> parse(ConfigFile config, Problems problems) {
    try (JsonParser parser = YAML.createParser(config.text())) {
      YamlTree tree = new YamlTree(config.name(), parser);
      List<Node> documents = new ArrayList<>();
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        Node root = tree.node(token);
        if (!(root instanceof Node.Scalar scalar && scalar.text() == null)) {
          documents.add(root);
        }
      }
      return documents;
    } catch (JsonProcessingException e) {
      if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
        // SnakeYAML knows where the problem is (the location Jackson reports is where its context began).
        String context = marked.getContext() == null ? "" : marked.getContext() + ": ";
        problems.add(new Origin(config.name(), marked.getProblemMark().getLine() + 1),
            "YAML syntax error: " + context + firstLine(marked.getProblem()));
      } else {
        JsonLocation at = e.getLocation();
        problems.add(new Origin(config.name(), at == null ? 1 : Math.max(1, at.getLineNr())),
            "YAML syntax error: " + firstLine(e.getOriginalMessage()));
      }
      return List.of();
    } catch (IOException e) {
      problems.add(new Origin(config.name(), 1), "cannot read: " + e.getMessage());
      return List.of();
    }
  }

  private Node node(JsonToken token) throws IOException {
    Origin origin = origin();
    switch (token) {
      case START_OBJECT -> {
        List<Node.Field> fields = new ArrayList<>();
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
          String key = parser.currentName();
          Origin keyOrigin = origin();
          fields.add(new Node.Field(key, keyOrigin, node(parser.nextToken())));
        }
        return new Node.Mapping(origin, fields);
      }
      case START_ARRAY -> {
        List<Node> items = new ArrayList<>();
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
          items.add(node(token));
        }
        return new Node.Sequence(origin, items);
      }
      case VALUE_NULL -> {
        return new Node.Scalar(origin, null);
      }
      default -> {
        return new Node.Scalar(origin, parser.getText());
      }
    }
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
