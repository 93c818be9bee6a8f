"""Medical knowledge: label sets, labeler, knowledge base, prompts."""
