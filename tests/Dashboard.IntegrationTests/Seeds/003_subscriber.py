import paho.mqtt.client as mqtt
# Callback when a message is received
def on_message(client, userdata, message):
    print(f"Received message: {message.payload.decode()} on topic {message.topic}")
# Create an MQTT client and connect to the broker
client = mqtt.Client()
client.on_message = on_message
client.connect("mqtt.eclipse.org", 1883, 60)
# Subscribe to a topic
client.subscribe("test/topic")
client.loop_forever()
